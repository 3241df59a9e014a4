# Chain the events recorded before the hash chain existed, in the order they were written.

from django.db import migrations

from prolotrack.domain.audit_chain import CONTENT_FIELDS, GENESIS_HASH, entry_hash


def chain_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model('audit', 'AuditEvent')
    AuditChainHead = apps.get_model('audit', 'AuditChainHead')
    sequence, prev_hash = 0, GENESIS_HASH
    for event in AuditEvent.objects.order_by('id').iterator(chunk_size=2000):
        sequence += 1
        content = {name: getattr(event, name) for name in CONTENT_FIELDS}
        digest = entry_hash(sequence, content, prev_hash)
        AuditEvent.objects.filter(pk=event.pk).update(
            sequence=sequence, prev_hash=prev_hash, hash=digest
        )
        prev_hash = digest
    if sequence:
        AuditChainHead.objects.create(id=1, sequence=sequence, hash=prev_hash)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_chain_fields'),
    ]

    operations = [
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
    ]
