"""Publishing: the knowledge base as pages (Markdown through Jinja2 templates, escaped by markup), the MkDocs
plugin and the atomic site build, the JSON export, and `errorkb explain` in the terminal."""
