"""The API sandbox: a seeded synthetic world of buyers, and one HTTP server that emulates the source APIs.

from sandbox import SandboxServer, World

world = World.generate(seed=42, buyers=2000)
with SandboxServer(world) as server:        # http://127.0.0.1:<free port>
    env = server.airflow_connections()      # {"AIRFLOW_CONN_HUBSPOT_DEFAULT": "{...}"}
    ...
world.write_truth("truth/")                 # buyers.csv, purchases.csv, world.json
"""

from sandbox.server import SandboxServer
from sandbox.vendors.hubspot import HubSpotOptions
from sandbox.world import World, WorldConfig

__all__ = ["HubSpotOptions", "SandboxServer", "World", "WorldConfig"]
