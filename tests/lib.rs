//! Shared helpers for end-to-end tests live beside the tests.
