from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0004_chain_backfill'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='sequence',
            field=models.PositiveBigIntegerField(unique=True),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(max_length=64),
        ),
    ]
