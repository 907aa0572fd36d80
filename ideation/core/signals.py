"""Named moments other features react to, so the feature that acts need not know who listens.

Each signal is sent by a service inside the transaction of the change (after the flush), with
``actor`` as keyword. Receivers add rows to the same session; the view commits everything.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the Concept. Sent when it is published, and when a published concept gains clusters.
concept_published = _signals.signal("concept-published")
# sender: the Prototype. Sent when it is published, and when a published one gets a version.
prototype_published = _signals.signal("prototype-published")
