"""Accounts: users, their institution roles, sign-in, invitations and password resets."""
