"""The Azure gateway: the only code that imports azure.mgmt.*, azure.identity, azure.storage.*."""
