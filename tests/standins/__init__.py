"""Local stand-ins for outside services, speaking their wire formats over real HTTP."""
