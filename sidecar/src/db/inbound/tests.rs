use super::route::{route, Named, Route};

fn named(requester: &str, sent_to_sender: bool, by_message_id: bool) -> Named {
    Named {
        ticket_id: 7,
        requester: requester.into(),
        sent_to_sender,
        by_message_id,
    }
}

#[test]
fn the_requester_may_post_by_message_id_or_subject_number() {
    let n = named("ann@example.com", false, false);
    assert_eq!(
        route(Some(&n), "ann@example.com", false),
        Route::Append {
            ticket_id: 7,
            as_agent: false
        }
    );
}

#[test]
fn a_forged_subject_from_someone_else_starts_their_own_ticket() {
    let n = named("ann@example.com", false, false);
    assert_eq!(
        route(Some(&n), "eve@example.com", false),
        Route::NewRelated(7)
    );
}

#[test]
fn an_agent_needs_a_message_id_that_was_sent_to_them() {
    // The attack: mail forged from an agent's address with "[#7]" in the
    // subject would go out to the customer as our reply.
    let by_subject = named("ann@example.com", false, false);
    assert_eq!(
        route(Some(&by_subject), "agent@example.com", true),
        Route::NewRelated(7)
    );
    let sent_elsewhere = named("ann@example.com", false, true);
    assert_eq!(
        route(Some(&sent_elsewhere), "agent@example.com", true),
        Route::NewRelated(7)
    );
    let answered = named("ann@example.com", true, true);
    assert_eq!(
        route(Some(&answered), "agent@example.com", true),
        Route::Append {
            ticket_id: 7,
            as_agent: true
        }
    );
}
