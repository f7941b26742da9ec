"""Pure decisions of galleryflow. Nothing here imports azure.* (a test enforces it)."""
