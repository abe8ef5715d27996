"""Carbon finance: allowance pledges valued at the exchange's closing price."""
