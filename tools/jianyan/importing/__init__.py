"""Documents in: Word/WPS submissions and the handling spreadsheets departments send back."""
