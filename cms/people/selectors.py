"""Reads about people, units and roles. Every staff view asks these what it may show."""
