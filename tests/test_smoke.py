def test_start_page_lists_published_challenges(client, app):
    from tests.factories import make_challenge

    make_challenge(slug="zichtbaar")
    make_challenge(slug="verborgen", published=False)
    page = client.get("/").get_data(as_text=True)
    assert "/c/zichtbaar" in page
    assert "/c/verborgen" not in page
