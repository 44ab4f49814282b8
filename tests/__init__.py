"""Tests of the whole site: journeys through it, crawls of every page and download, words shared by several apps.

They sit above every app (ARCHITECTURE.md, "Apps and their order") and may import any.
"""
