"""The galleryflow sandbox: ARM emulator, Functions + Durable host, Azurite, CLI."""
