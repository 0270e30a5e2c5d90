"""Documentation helpers: report screenshots and the README's generated accuracy table."""
