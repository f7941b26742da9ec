"""Triggers blueprint: modules in this package register their functions on `bp`."""

import azure.durable_functions as df

bp = df.Blueprint()
