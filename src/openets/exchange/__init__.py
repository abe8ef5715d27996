"""The exchange: order book and matching engine, price bands, block trades, auctions,
delivery-versus-payment settlement into the registry, and market data."""
