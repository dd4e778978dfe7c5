"""The grammar of the `.wave` language, shipped as package data (``wave.lark``)."""
