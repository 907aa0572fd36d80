"""Photo descriptions for screen readers, and limits that stop one account flooding a challenge."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaImage
from tests.conftest import make_test_app
from tests.ideas.conftest import jpeg_bytes, make_idea, quick_user


def _post_idea(client, slug: str, title: str, **extra: object):
    data = {"title": title, "description": "Beschrijving", "consent": "y", "similar_seen": "1",
            **extra}
    return client.post_form(f"/c/{slug}/ideas/new", data, content_type="multipart/form-data")


def test_the_photo_description_becomes_the_alt_text(client, challenge, author):
    client.login(author)
    response = _post_idea(client, challenge.slug, "Een tekening van twee huizen",
                          photos=[(io.BytesIO(jpeg_bytes()), "huizen.jpg")],
                          photo_alt="Twee huizen met een brug ertussen")
    assert response.status_code == 302
    image = db.session.scalars(select(IdeaImage)).one()
    assert image.alt_text == "Twee huizen met een brug ertussen"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'alt="Twee huizen met een brug ertussen"' in page


def test_a_photo_without_description_still_gets_a_meaningful_alt_text(client, challenge, author):
    idea = make_idea(author, challenge, title="Speelplek bij de rechtbank", photos=1)
    page = client.get(f"/c/{challenge.slug}/ideas/{idea.id}").get_data(as_text=True)
    assert 'alt="Foto bij het idee: Speelplek bij de rechtbank"' in page


def test_one_account_cannot_flood_a_challenge_with_ideas(database, tmp_path):
    from tests import factories
    from tests.conftest import Client

    app = make_test_app(database, tmp_path, IDEATION_SUBMIT_RATE_LIMIT="3 per minute")
    app.test_client_class = Client
    with app.app_context():
        db.create_all()
        challenge = factories.make_challenge(slug="vloed")
        author = quick_user()
        client = app.test_client()
        client.login(author)
        statuses = [_post_idea(client, "vloed", f"Idee nummer {n}").status_code
                    for n in range(4)]
        assert statuses == [302, 302, 302, 429]
        assert db.session.scalar(select(func.count(Idea.id))) == 3
        other = quick_user()
        client.logout()
        client.login(other)
        assert _post_idea(client, challenge.slug, "Van iemand anders").status_code == 302
        db.session.remove()
        db.engine.dispose()
