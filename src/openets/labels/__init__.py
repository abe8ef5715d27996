"""Carbon labels: product carbon footprints and signed, verifiable label certificates, with
Guangdong-Hong Kong mutual recognition."""
