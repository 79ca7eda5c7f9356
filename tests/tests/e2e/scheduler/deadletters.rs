//! Poison messages end in the dead-letter queue, where the operator CLI lists them (without
//! consuming them) and replays them to the queue they died in.

use std::time::{Duration, Instant};

use common::queue::{Broker, Role};
use e2e::env::TestEnv;
use scheduler::deadletters;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn poison_messages_are_dead_lettered_listed_and_replayed() {
    let env = TestEnv::with_settings("deadletters", |s| {
        s.metrics.bind = String::new();
        s.worker.sweep_secs = 0;
    })
    .await;
    let (trigger, shutdown) = common::shutdown::channel();
    let worker = tokio::spawn(worker::run(env.settings.clone(), shutdown));
    let broker = Broker::new(&env.settings.amqp);
    broker
        .publish(Role::Item, b"{\"v\": 1, \"garbage\": true}")
        .await
        .unwrap();
    broker
        .publish(Role::Gather, b"not json at all")
        .await
        .unwrap();

    // The worker rejects both; RabbitMQ routes them to the dead-letter queue.
    let dead = broker.topology().dead_queue();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (n, _) = broker.queue_stats(&dead).await.unwrap();
        if n == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "dead letters: {n}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    trigger.trigger();
    let _ = worker.await;

    // Listing peeks: the messages stay in the queue.
    let letters = deadletters::list(&broker, 10).await.unwrap();
    assert_eq!(letters.len(), 2);
    let queues: Vec<String> = letters.iter().filter_map(|l| l.queue.clone()).collect();
    assert!(
        queues.contains(&broker.topology().queue(Role::Item)),
        "{letters:?}"
    );
    assert!(
        queues.contains(&broker.topology().queue(Role::Gather)),
        "{letters:?}"
    );
    assert!(
        letters
            .iter()
            .all(|l| l.reason.as_deref() == Some("rejected")),
        "{letters:?}"
    );
    assert!(letters.iter().any(|l| l.body == "not json at all"));
    assert_eq!(broker.queue_stats(&dead).await.unwrap().0, 2);

    // Replay sends each back to the queue it died in.
    assert_eq!(deadletters::replay(&broker, 10).await.unwrap(), 2);
    assert_eq!(broker.queue_stats(&dead).await.unwrap().0, 0);
    assert_eq!(
        broker
            .queue_stats(&broker.topology().queue(Role::Item))
            .await
            .unwrap()
            .0,
        1
    );
    assert_eq!(
        broker
            .queue_stats(&broker.topology().queue(Role::Gather))
            .await
            .unwrap()
            .0,
        1
    );
    broker.close().await;
}
