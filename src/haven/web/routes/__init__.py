"""One router per journey: pages (start, home, support, privacy, exit), guide, evidence, protect,
email, report."""
