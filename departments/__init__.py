"""The departments' monthly lists matched to the household members (数据比对, issue 14)."""
