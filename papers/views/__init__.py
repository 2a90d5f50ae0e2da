"""Views, one module per area; every view starts with an access helper from papers.models."""
