"""Fixing: applying the rules' edits without breaking a file, the imports fixes need,
`--add-noqa`, and writing a file back safely."""
