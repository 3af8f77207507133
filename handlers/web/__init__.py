"""The web e-sheet: households answer a round in any phone browser, without JavaScript."""
