"""Registry of allowances and credits: accounts, serial blocks, a hash-chained journal."""
