"""Ideas, their photos, supports and comments; submit, gallery, detail, my ideas."""
