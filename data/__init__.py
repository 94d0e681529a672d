"""Shipped data: the demo county generator (data.demo) and the real division codes it uses (data/xinping/)."""
