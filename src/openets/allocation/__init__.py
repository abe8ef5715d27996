"""Allocation: free allowances per entity from the jurisdiction's methods, within the cap."""
