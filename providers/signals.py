"""What providers/ announces to the layers above it, which it must not import.

`setting_transferred` is sent inside the transaction that moves a setting to another provider,
so whatever a receiver writes (brokerage/ queues both providers' emails in its outbox) commits or
rolls back with the move. Arguments: claim, setting, previous (the organisation that ran it),
now.

`settings_changed_by_ofsted` is sent inside an Ofsted import's transaction, once its changes and
their `SettingEvent`s are saved, so what a receiver writes (brokerage/ queues alerts to the LAs
with a child referred or placed there and to the provider) commits or rolls back with the
import: a preview, which is rolled back, leaves nothing. Not sent when the import is told
`alerts=False` (old releases replayed for their history). Arguments: record (the
`OfstedImport`; its status says whether it is a preview), events (the `SettingEvent`s just
created, each with its `setting` loaded as the import left it).
"""

from django.dispatch import Signal

setting_transferred = Signal()
settings_changed_by_ofsted = Signal()
