"""Near-zero (low) carbon enterprise and factory evaluation: a configurable indicator system
giving a grade and its reasons."""
