"""galleryflow: publish VM images through Azure Compute Gallery."""
