import pytest

from geo.services import boundaries_load
from tests.providers.ofsted_files import UTLA


@pytest.fixture
def boundaries(db):
    """England's upper-tier authorities, so Ofsted's LA names resolve."""
    boundaries_load(source=str(UTLA), commit=True)
