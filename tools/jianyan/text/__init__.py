"""Chinese text rules shared by checks and renderers: Markdown, 字数, typography, personal data."""
