"""The sample city's exports, generated from params/sample_city.yaml."""
