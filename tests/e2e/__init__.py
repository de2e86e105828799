"""End to end: the sample programme, and the product driven in a real Chromium and nginx."""
