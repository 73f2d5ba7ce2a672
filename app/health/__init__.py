"""Liveness: does the app answer, and does its database?"""
