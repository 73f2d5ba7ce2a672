"""The JSON API's shared parts: its OpenAPI document."""
