"""The core team's workspace per challenge: what needs attention now, and every tool."""
