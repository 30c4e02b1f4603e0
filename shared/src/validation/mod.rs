//! Request validation with zod-style issues.
