"""What a new password must be: long enough, not easy to guess, and not the person's address.

"Easy to guess" is decided by zxcvbn (Dropbox's estimator, Python port): it ships the 30,000
most common passwords of public breach corpora (and English words, names and surnames) and
scores a password by the guesses an attacker who knows those lists and the usual patterns
(repeats like ``aaaaaaaaaaaa``, sequences like ``1234567890``, dates, keyboard rows, leetspeak,
``wachtwoord123`` = a listed word plus digits) would need. We ask for score 3, "safely
unguessable" (about 10^8 guesses), which NIST SP 800-63B's advice on breached, dictionary,
repetitive and context-specific passwords comes down to. The person's own e-mail address,
its part before the @ and their name count as known words; containing the address (or that
part) is refused outright with its own message.
"""

from __future__ import annotations

from flask_babel import gettext as _
from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
MIN_SCORE = 3
# zxcvbn's matching grows quickly with length and it refuses more than 72 characters; the
# first 72 decide (a longer password that starts strong is strong).
_SCORED_LENGTH = 72
# Words anyone guessing a password for this site would try first.
_SITE_WORDS = ("ideation", "idee", "ideeen", "uitdaging", "wachtwoord", "gemeente")


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` may not be used, in the current language; None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Use at most %(max)d characters.", max=MAX_PASSWORD_LENGTH)
    lowered = password.casefold()
    address = email.strip().casefold()
    local_part = address.partition("@")[0]
    if address and (address in lowered or (len(local_part) >= 3 and local_part in lowered)):
        return _("Your password may not contain your e-mail address.")
    known = [word for word in (address, local_part, *name.split(), *_SITE_WORDS) if word]
    if zxcvbn(password[:_SCORED_LENGTH], user_inputs=known)["score"] < MIN_SCORE:
        return _("This password is too easy to guess: it is a common password or a simple "
                 "pattern. A short sentence of four or five words is strong and easy to "
                 "remember.")
    return None
