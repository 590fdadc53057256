//! HDFS's default replica placement (`BlockPlacementPolicyDefault`), over the live DataNodes.
//!
//! - the first replica goes on the writer's host when the writer is a DataNode, else on a host
//!   chosen at random;
//! - the second on a host of another rack (on one rack: another host);
//! - the third on another host of the second's rack, or, when the first two share a rack, on
//!   another rack;
//! - any more on hosts not used yet.
//!
//! Never two replicas on one host; when a rule has no candidate, any unused live host will do.
//! Random choices come from the RNG given, which the DFS seeds per block from the run's seed,
//! so the same seed gives the same placement whatever else the run does.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// A DataNode as placement sees it.
#[derive(Clone, Debug)]
pub struct Node<'a> {
    pub host: &'a str,
    pub rack: &'a str,
    pub alive: bool,
}

/// Chooses up to `replication` distinct live nodes for a new block (indices into `nodes`).
pub fn place(
    nodes: &[Node<'_>],
    writer: Option<&str>,
    replication: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<usize> {
    let live: Vec<usize> = (0..nodes.len()).filter(|i| nodes[*i].alive).collect();
    let want = replication.min(live.len());
    let mut chosen: Vec<usize> = Vec::with_capacity(want);
    if want == 0 {
        return chosen;
    }
    let pick = |chosen: &[usize], rng: &mut ChaCha8Rng, ok: &dyn Fn(usize) -> bool| {
        let candidates: Vec<usize> = live
            .iter()
            .copied()
            .filter(|i| !chosen.contains(i) && ok(*i))
            .collect();
        candidates.choose(rng).copied()
    };
    let any = |_: usize| true;
    let first = writer
        .and_then(|w| live.iter().copied().find(|i| nodes[*i].host == w))
        .or_else(|| pick(&chosen, rng, &any));
    chosen.extend(first);
    if want >= 2 {
        let r0 = nodes[chosen[0]].rack;
        let second =
            pick(&chosen, rng, &|i| nodes[i].rack != r0).or_else(|| pick(&chosen, rng, &any));
        chosen.extend(second);
    }
    if want >= 3 && chosen.len() == 2 {
        let (r0, r1) = (nodes[chosen[0]].rack, nodes[chosen[1]].rack);
        let third = if r0 == r1 {
            pick(&chosen, rng, &|i| nodes[i].rack != r0)
        } else {
            pick(&chosen, rng, &|i| nodes[i].rack == r1)
        }
        .or_else(|| pick(&chosen, rng, &any));
        chosen.extend(third);
    }
    while chosen.len() < want {
        match pick(&chosen, rng, &any) {
            Some(i) => chosen.push(i),
            None => break,
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn cluster(racks: usize, hosts_per_rack: usize) -> (Vec<String>, Vec<String>) {
        let mut hosts = Vec::new();
        let mut rack_names = Vec::new();
        for r in 0..racks {
            for h in 0..hosts_per_rack {
                hosts.push(format!("host-{}", r * hosts_per_rack + h));
                rack_names.push(format!("rack-{r}"));
            }
        }
        (hosts, rack_names)
    }

    fn nodes<'a>(hosts: &'a [String], racks: &'a [String]) -> Vec<Node<'a>> {
        hosts
            .iter()
            .zip(racks)
            .map(|(h, r)| Node {
                host: h,
                rack: r,
                alive: true,
            })
            .collect()
    }

    #[test]
    fn three_replicas_on_two_racks_follow_the_hdfs_rule_for_every_seed() {
        let (h, r) = cluster(2, 3);
        let n = nodes(&h, &r);
        for seed in 0..200 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let c = place(&n, Some("host-1"), 3, &mut rng);
            assert_eq!(c.len(), 3);
            assert_eq!(n[c[0]].host, "host-1", "first on the writer");
            assert_ne!(n[c[1]].rack, n[c[0]].rack, "second on another rack");
            assert_eq!(n[c[2]].rack, n[c[1]].rack, "third on the second's rack");
            assert_ne!(c[2], c[1]);
        }
    }

    #[test]
    fn on_one_rack_every_replica_is_on_a_distinct_host() {
        let (h, r) = cluster(1, 4);
        let n = nodes(&h, &r);
        for seed in 0..100 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut c = place(&n, None, 3, &mut rng);
            c.sort();
            c.dedup();
            assert_eq!(c.len(), 3);
        }
    }

    #[test]
    fn on_three_racks_the_first_two_replicas_span_racks_and_the_third_joins_the_second() {
        let (h, r) = cluster(3, 2);
        let n = nodes(&h, &r);
        let mut racks_of_first = std::collections::BTreeSet::new();
        for seed in 0..100 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let c = place(&n, None, 3, &mut rng);
            racks_of_first.insert(n[c[0]].rack);
            assert_ne!(n[c[1]].rack, n[c[0]].rack);
            assert_eq!(n[c[2]].rack, n[c[1]].rack);
        }
        assert_eq!(
            racks_of_first.len(),
            3,
            "a writer off the cluster picks any host"
        );
    }

    #[test]
    fn replication_is_capped_at_the_live_hosts_and_never_doubles_up() {
        let (h, r) = cluster(1, 2);
        let mut n = nodes(&h, &r);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(place(&n, None, 5, &mut rng).len(), 2);
        n[0].alive = false;
        assert_eq!(place(&n, Some("host-0"), 3, &mut rng), vec![1]);
    }
}
