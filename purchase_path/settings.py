"""Configuration, read in one place.

Every setting comes from the environment, with a default that works on a fresh clone:

| variable | default | what it sets |
| --- | --- | --- |
| ``WAREHOUSE_URL`` | unset: the embedded PostgreSQL under ``$PURCHASE_PATH_HOME/pg`` | the warehouse |
| ``PURCHASE_PATH_HOME`` | ``<project>/.data`` | where local state lives (embedded warehouse, Airflow home, reports) |
| ``PURCHASE_PATH_REPORT_DIR`` | ``$PURCHASE_PATH_HOME/reports`` | where rendered reports are written |

Sources are configured by Airflow connections (``<source>_default``); see :mod:`purchase_path.connections`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DAGS_DIR = PROJECT_ROOT / "dags"


@dataclass(frozen=True)
class Settings:
    """The project's settings, resolved from the environment once."""

    home: Path
    warehouse_url: str | None
    report_dir: Path

    @property
    def embedded_pgdata(self) -> Path:
        return self.home / "pg"

    @property
    def quality_dir(self) -> Path:
        return self.home / "quality"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get("PURCHASE_PATH_HOME") or PROJECT_ROOT / ".data").resolve()
        return cls(
            home=home,
            warehouse_url=env.get("WAREHOUSE_URL") or None,
            report_dir=Path(env.get("PURCHASE_PATH_REPORT_DIR") or home / "reports").resolve(),
        )
