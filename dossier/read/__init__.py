"""Reading: project files into chapters (markdown-it tokens, kept inside
this stage and dossier.markdown) and their scans."""
