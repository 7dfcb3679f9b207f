"""Staff sign-in, and the role and area checks every staff route and API call goes through."""
