"""Who is signed in and what they may do: roles, the session, OpenID Connect, dev sign-in."""
