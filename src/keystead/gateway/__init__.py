"""What keystead tells the API behind it, signed: the keys and the assertions."""
