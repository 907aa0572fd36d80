"""Live sessions: workshops where participants join by code, send ideas, dot-vote and say
what would make them say no, before the session's ideas join the challenge."""
