"""The scenario engine: time-stepped raids against air-defence units (sensors, tracking, fire control)."""
