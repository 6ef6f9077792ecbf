"""The daily checklist and the product shelf it asks to be read."""
