from prolotrack.audit.models import AuditEvent


def test_course_fixture_builds_a_documented_session(course_a):
    course, session, injection = course_a
    assert session.status == "done"
    course.refresh_from_db()
    assert course.status == "active"
    assert injection.site_code == "intra_articular"
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("injection.create") == 1
