//! prereq against peer engines: Cedar, Rego (regorus), CEL (cel-interpreter),
//! and the embedded expression languages rhai and evalexpr,
//! on the coalition `deploy` rule and the same generated facts.
//!
//! ```sh
//! cd benches/peers && cargo run --release -- 10000      # N entities (default 10,000)
//! cd benches/peers && cargo run --release -- 10000 9    # N, least timed rounds (default 7)
//! ```
//!
//! Every engine is first checked to give the same verdict on every entity
//! (panicking on the first disagreement); then each runs over all entities
//! for several rounds (at least `rounds`, and at least 0.5 s) and the best
//! round is reported, in ns per evaluation.
//! Only evaluation is timed: parsing, compiling and building each engine's
//! inputs happen before, once. See README.md for what each timed loop holds.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// The coalition rules as `prereq codegen rules/` writes them.
#[rustfmt::skip]
#[allow(dead_code)] // only `deploy` is measured
#[path = "../../../tests/generated/coalition.rs"]
mod coalition;

use prereq::compile::{CompiledRule, Node};
use prereq::facts::{FactTable, Value as FactSlotValue};
use prereq::{Facts, RuleSet, Tri};

/// The real rule file: `deploy` and everything it depends on are read from it.
const RULES_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules/coalition.rules");

/// The rule under test.
const RULE: &str = "deploy";

/// `deploy` in Cedar. Cedar has no named sub-rules, so the rules `deploy`
/// depends on (commit_troops, willing, backing_met) are inlined, in the same
/// order as in coalition.rules. World facts come from the request context.
const CEDAR_POLICY: &str = r#"
permit (principal, action == Action::"deploy", resource)
when {
    // willing
    principal.in_coalition && principal.troops_offered >= 1 && !principal.borders_russia
    // backing_met
    && (context.us_backstop || !principal.needs_us_backstop)
    // commit_troops
    && principal.legal_basis
    // deploy
    && context.ceasefire && principal.rules_of_engagement
};
"#;

/// prereq's front door for one entity per request: a `Decider` prepared
/// once with the world; each evaluation gives the entity's facts through
/// handles (as rhai and evalexpr are given theirs) and decides `deploy`.
struct PrereqDecider {
    decider: prereq::Decider,
    flags: [prereq::batch::BoolFact; 5],
    troops_offered: prereq::batch::NumberFact,
    contributions: prereq::batch::SetFact,
    deploy: prereq::check::RuleId,
}

impl PrereqDecider {
    fn new(rules: &RuleSet, world: &World) -> PrereqDecider {
        let mut facts = Facts::new("world");
        facts
            .set_world("us_backstop", world.us_backstop)
            .set_world("ceasefire", world.ceasefire);
        let decider = rules.decider(&facts).expect("the world fits");
        let flag = |name| decider.bool_fact(name).expect("a bool fact");
        PrereqDecider {
            flags: [
                "in_coalition",
                "legal_basis",
                "rules_of_engagement",
                "needs_us_backstop",
                "borders_russia",
            ]
            .map(flag),
            troops_offered: decider
                .number_fact("troops_offered")
                .expect("a number fact"),
            contributions: decider.set_fact("contributions").expect("a set fact"),
            deploy: decider.rule(RULE).expect("the rule exists"),
            decider,
        }
    }

    #[inline(never)]
    fn eval(&mut self, e: &Entity) -> bool {
        let mut request = self.decider.request();
        let flags = [
            e.in_coalition,
            e.legal_basis,
            e.rules_of_engagement,
            e.needs_us_backstop,
            e.borders_russia,
        ];
        for (handle, value) in self.flags.iter().zip(flags) {
            request.set_bool(*handle, value);
        }
        request
            .set_number(self.troops_offered, e.troops_offered as f64)
            .expect("an exact number")
            .set_strings(self.contributions, &e.contributions)
            .expect("words of the vocabulary");
        request.decide(self.deploy) == prereq::Verdict::Satisfied
    }
}

/// `deploy` in Rego, one rule per prereq rule. Entity facts are `input`,
/// world facts are `data.world` (set once).
const REGO_POLICY: &str = r#"
package coalition

default deploy := false

deploy if {
    commit_troops
    data.world.ceasefire
    input.rules_of_engagement
}

commit_troops if {
    willing
    backing_met
    input.legal_basis
}

willing if {
    input.in_coalition
    input.troops_offered >= 1
    not input.borders_russia
}

backing_met if data.world.us_backstop

backing_met if not input.needs_us_backstop
"#;

/// The Rego rule queried.
const REGO_ENTRY: &str = "data.coalition.deploy";

/// `deploy` in CEL: one expression (CEL has no named rules), the
/// sub-rules inlined in coalition.rules order. Every fact is a variable.
const CEL_EXPRESSION: &str = "in_coalition && troops_offered >= 1 && !borders_russia \
     && (us_backstop || !needs_us_backstop) \
     && legal_basis \
     && ceasefire && rules_of_engagement";

// ---------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------

/// SplitMix64: a tiny deterministic PRNG, enough to vary facts.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// World facts: one value for every entity.
struct World {
    us_backstop: bool,
    ceasefire: bool,
}

/// One entity's facts: every fact known (the peers have no "unknown").
struct Entity {
    name: String,
    in_coalition: bool,
    legal_basis: bool,
    rules_of_engagement: bool,
    needs_us_backstop: bool,
    borders_russia: bool,
    troops_offered: i64,
    contributions: Vec<String>,
    resists_asset_seizure: bool,
}

/// `n` entities with every fact known. With the world below, `deploy` holds
/// with probability 0.9 (in coalition) x 0.9 (troops >= 1) x 0.9 (no
/// Russian border) x 0.8 (legal basis) x 0.8 (rules of engagement) ≈ 47%.
fn generate(n: usize) -> (World, Vec<Entity>) {
    let mut rng = SplitMix64(0x5EED_C0A1_1710_2025);
    let world = World {
        us_backstop: true,
        ceasefire: true,
    };
    let roles = [
        "troops",
        "fast_jets",
        "logistics",
        "engineering",
        "backfill",
    ];
    let entities = (0..n)
        .map(|i| Entity {
            name: format!("c{i}"),
            in_coalition: rng.chance(90),
            legal_basis: rng.chance(80),
            rules_of_engagement: rng.chance(80),
            needs_us_backstop: rng.chance(50),
            borders_russia: rng.chance(10),
            troops_offered: if rng.chance(10) {
                0
            } else {
                1 + (rng.next() % 30_000) as i64
            },
            contributions: roles
                .iter()
                .filter(|_| rng.chance(40))
                .map(|r| r.to_string())
                .collect(),
            resists_asset_seizure: rng.chance(20),
        })
        .collect();
    (world, entities)
}

// ---------------------------------------------------------------------------
// prereq
// ---------------------------------------------------------------------------

/// prereq's compiled form of the rule: the entity rules `deploy` depends on
/// (itself included), in evaluation order, and the world row and world-rule
/// verdicts they read.
struct PrereqDeploy {
    cone: Vec<CompiledRule>,
    world: Vec<Option<FactSlotValue>>,
    /// Scratch verdicts (indexed by rule id), world rules already filled in.
    verdicts: Vec<Tri>,
    deploy: usize,
}

impl PrereqDeploy {
    fn new(rules: &RuleSet, table: &FactTable) -> PrereqDeploy {
        let program = rules.program();
        let deploy = rules
            .resolved()
            .rule_id(RULE)
            .expect("coalition.rules has no `deploy` rule");
        // The rules `deploy` reaches through Node::Rule, transitively.
        let mut needed = vec![false; program.rule_count()];
        needed[deploy.index()] = true;
        for rule in program.entity_rules().iter().rev() {
            if needed[rule.id.index()] {
                mark_rules(&rule.condition, &mut needed);
            }
        }
        let cone: Vec<CompiledRule> = program
            .entity_rules()
            .iter()
            .filter(|rule| needed[rule.id.index()])
            .cloned()
            .collect();
        let mut verdicts = vec![Tri::Unknown; program.rule_count()];
        prereq::eval::evaluate_rules(program.world_rules(), table.world(), &[], &mut verdicts);
        PrereqDeploy {
            cone,
            world: table.world().to_vec(),
            verdicts,
            deploy: deploy.index(),
        }
    }

    /// THE prereq measurement: one entity's `deploy` verdict, evaluating the
    /// rules it depends on first (each once), from the entity's bound row.
    /// Swap this body for a faster API when there is one.
    #[inline(never)]
    fn eval(&mut self, row: &[Option<FactSlotValue>]) -> Tri {
        prereq::eval::evaluate_rules(&self.cone, &self.world, row, &mut self.verdicts);
        self.verdicts[self.deploy]
    }
}

/// Marks every rule `node` refers to.
fn mark_rules(node: &Node, needed: &mut [bool]) {
    match node {
        Node::Rule(id) => needed[id.index()] = true,
        Node::Not(inner) => mark_rules(inner, needed),
        Node::And(parts) | Node::Or(parts) => parts.iter().for_each(|p| mark_rules(p, needed)),
        Node::Conds { lhs, rhs, .. } => {
            mark_rules(lhs, needed);
            mark_rules(rhs, needed);
        }
        _ => {}
    }
}

fn prereq_facts(world: &World, entities: &[Entity]) -> Facts {
    let mut facts = Facts::new("peers-bench");
    facts
        .set_world("us_backstop", world.us_backstop)
        .set_world("ceasefire", world.ceasefire);
    for e in entities {
        facts
            .set(&e.name, "in_coalition", e.in_coalition)
            .set(&e.name, "legal_basis", e.legal_basis)
            .set(&e.name, "rules_of_engagement", e.rules_of_engagement)
            .set(&e.name, "needs_us_backstop", e.needs_us_backstop)
            .set(&e.name, "borders_russia", e.borders_russia)
            .set(&e.name, "troops_offered", e.troops_offered as f64)
            .set(&e.name, "contributions", e.contributions.clone())
            .set(&e.name, "resists_asset_seizure", e.resists_asset_seizure);
    }
    facts
}

// ---------------------------------------------------------------------------
// Cedar
// ---------------------------------------------------------------------------

struct CedarDeploy {
    authorizer: cedar_policy::Authorizer,
    policies: cedar_policy::PolicySet,
    entities: cedar_policy::Entities,
    requests: Vec<cedar_policy::Request>,
}

impl CedarDeploy {
    fn new(world: &World, entities: &[Entity]) -> CedarDeploy {
        use cedar_policy::{
            Context, Entities, Entity as CedarEntity, EntityUid, PolicySet, Request,
            RestrictedExpression as RE,
        };
        use std::collections::{HashMap, HashSet};
        let policies: PolicySet = CEDAR_POLICY.parse().expect("Cedar policy does not parse");
        let action: EntityUid = r#"Action::"deploy""#.parse().expect("Cedar action uid");
        let resource: EntityUid = r#"Force::"ceasefire""#.parse().expect("Cedar resource uid");
        let uid = |name: &str| -> EntityUid {
            format!("Country::{name:?}")
                .parse()
                .expect("Cedar principal uid")
        };
        let store = entities.iter().map(|e| {
            let attrs = HashMap::from([
                ("in_coalition".to_string(), RE::new_bool(e.in_coalition)),
                ("legal_basis".to_string(), RE::new_bool(e.legal_basis)),
                (
                    "rules_of_engagement".to_string(),
                    RE::new_bool(e.rules_of_engagement),
                ),
                (
                    "needs_us_backstop".to_string(),
                    RE::new_bool(e.needs_us_backstop),
                ),
                ("borders_russia".to_string(), RE::new_bool(e.borders_russia)),
                ("troops_offered".to_string(), RE::new_long(e.troops_offered)),
            ]);
            CedarEntity::new(uid(&e.name), attrs, HashSet::new()).expect("Cedar entity")
        });
        let entities_store = Entities::from_entities(store, None).expect("Cedar entities");
        let requests = entities
            .iter()
            .map(|e| {
                let context = Context::from_pairs([
                    ("us_backstop".to_string(), RE::new_bool(world.us_backstop)),
                    ("ceasefire".to_string(), RE::new_bool(world.ceasefire)),
                ])
                .expect("Cedar context");
                Request::new(
                    uid(&e.name),
                    action.clone(),
                    resource.clone(),
                    context,
                    None,
                )
                .expect("Cedar request")
            })
            .collect();
        CedarDeploy {
            authorizer: cedar_policy::Authorizer::new(),
            policies,
            entities: entities_store,
            requests,
        }
    }

    #[inline(never)]
    fn eval(&self, index: usize) -> bool {
        let response =
            self.authorizer
                .is_authorized(&self.requests[index], &self.policies, &self.entities);
        response.decision() == cedar_policy::Decision::Allow
    }
}

// ---------------------------------------------------------------------------
// Rego (regorus)
// ---------------------------------------------------------------------------

fn rego_world(world: &World) -> regorus::Value {
    regorus::Value::from_json_str(&format!(
        r#"{{"world": {{"us_backstop": {}, "ceasefire": {}}}}}"#,
        world.us_backstop, world.ceasefire
    ))
    .expect("Rego data")
}

fn rego_inputs(entities: &[Entity]) -> Vec<regorus::Value> {
    entities
        .iter()
        .map(|e| {
            regorus::Value::from_json_str(&format!(
                r#"{{"in_coalition": {}, "legal_basis": {}, "rules_of_engagement": {}, "needs_us_backstop": {}, "borders_russia": {}, "troops_offered": {}}}"#,
                e.in_coalition,
                e.legal_basis,
                e.rules_of_engagement,
                e.needs_us_backstop,
                e.borders_russia,
                e.troops_offered
            ))
            .expect("Rego input")
        })
        .collect()
}

/// regorus's tree-walking interpreter: `set_input` + `eval_rule` per entity.
struct RegoInterpreter {
    engine: regorus::Engine,
    inputs: Vec<regorus::Value>,
}

impl RegoInterpreter {
    fn new(world: &World, entities: &[Entity]) -> RegoInterpreter {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("coalition.rego".to_string(), REGO_POLICY.to_string())
            .expect("Rego policy does not parse");
        engine.add_data(rego_world(world)).expect("Rego data");
        RegoInterpreter {
            engine,
            inputs: rego_inputs(entities),
        }
    }

    #[inline(never)]
    fn eval(&mut self, index: usize) -> bool {
        // set_input takes the Value by value: the clone is a reference-count bump.
        self.engine.set_input(self.inputs[index].clone());
        let value = self
            .engine
            .eval_rule(REGO_ENTRY.to_string())
            .expect("Rego evaluation failed");
        value == regorus::Value::from(true)
    }
}

/// regorus's RVM: the policy compiled to bytecode once; `set_input` +
/// `execute` per entity on one reused VM.
struct RegoVm {
    vm: regorus::rvm::RegoVM,
    inputs: Vec<regorus::Value>,
}

impl RegoVm {
    fn new(world: &World, entities: &[Entity]) -> RegoVm {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("coalition.rego".to_string(), REGO_POLICY.to_string())
            .expect("Rego policy does not parse");
        let compiled = engine
            .compile_with_entrypoint(&REGO_ENTRY.into())
            .expect("Rego compile");
        let program = regorus::languages::rego::compiler::Compiler::compile_from_policy(
            &compiled,
            &[REGO_ENTRY],
        )
        .expect("Rego RVM compile");
        let mut vm = regorus::rvm::RegoVM::new();
        vm.load_program(program);
        vm.set_data(rego_world(world)).expect("Rego RVM data");
        RegoVm {
            vm,
            inputs: rego_inputs(entities),
        }
    }

    #[inline(never)]
    fn eval(&mut self, index: usize) -> bool {
        self.vm.set_input(self.inputs[index].clone());
        let value = self.vm.execute().expect("Rego RVM execution failed");
        value == regorus::Value::from(true)
    }
}

// ---------------------------------------------------------------------------
// CEL (cel-interpreter)
// ---------------------------------------------------------------------------

fn cel_set_entity(context: &mut cel_interpreter::Context<'_>, e: &Entity) {
    use cel_interpreter::Value;
    context.add_variable_from_value("in_coalition", Value::Bool(e.in_coalition));
    context.add_variable_from_value("legal_basis", Value::Bool(e.legal_basis));
    context.add_variable_from_value("rules_of_engagement", Value::Bool(e.rules_of_engagement));
    context.add_variable_from_value("needs_us_backstop", Value::Bool(e.needs_us_backstop));
    context.add_variable_from_value("borders_russia", Value::Bool(e.borders_russia));
    context.add_variable_from_value("troops_offered", Value::Int(e.troops_offered));
}

fn cel_root(world: &World) -> cel_interpreter::Context<'static> {
    let mut root = cel_interpreter::Context::default();
    root.add_variable_from_value(
        "us_backstop",
        cel_interpreter::Value::Bool(world.us_backstop),
    );
    root.add_variable_from_value("ceasefire", cel_interpreter::Value::Bool(world.ceasefire));
    root
}

#[inline(never)]
fn cel_eval(program: &cel_interpreter::Program, context: &cel_interpreter::Context<'_>) -> bool {
    match program.execute(context).expect("CEL evaluation failed") {
        cel_interpreter::Value::Bool(b) => b,
        other => panic!("CEL returned {other:?}, not a bool"),
    }
}

// ---------------------------------------------------------------------------
// rhai and evalexpr: the same expression as CEL's (their syntax agrees)
// ---------------------------------------------------------------------------

/// rhai: one compiled expression, a scope holding the world's variables,
/// rewound to them and given the entity's six before each evaluation.
struct Rhai {
    engine: rhai::Engine,
    ast: rhai::AST,
    scope: rhai::Scope<'static>,
    world_len: usize,
}

impl Rhai {
    fn new(world: &World) -> Rhai {
        let engine = rhai::Engine::new();
        let ast = engine
            .compile_expression(CEL_EXPRESSION)
            .expect("rhai does not parse");
        let mut scope = rhai::Scope::new();
        scope.push_constant("us_backstop", world.us_backstop);
        scope.push_constant("ceasefire", world.ceasefire);
        let world_len = scope.len();
        Rhai {
            engine,
            ast,
            scope,
            world_len,
        }
    }

    #[inline(never)]
    fn eval(&mut self, e: &Entity) -> bool {
        self.scope.rewind(self.world_len);
        self.scope
            .push_constant("in_coalition", e.in_coalition)
            .push_constant("legal_basis", e.legal_basis)
            .push_constant("rules_of_engagement", e.rules_of_engagement)
            .push_constant("needs_us_backstop", e.needs_us_backstop)
            .push_constant("borders_russia", e.borders_russia)
            .push_constant("troops_offered", e.troops_offered);
        self.engine
            .eval_ast_with_scope::<bool>(&mut self.scope, &self.ast)
            .expect("rhai evaluation failed")
    }
}

/// evalexpr: one operator tree, a context whose entity variables are set
/// before each evaluation (the world's once).
struct EvalExpr {
    tree: evalexpr::Node,
    context: evalexpr::HashMapContext,
}

impl EvalExpr {
    fn new(world: &World) -> EvalExpr {
        use evalexpr::ContextWithMutableVariables;
        let tree = evalexpr::build_operator_tree(CEL_EXPRESSION).expect("evalexpr does not parse");
        let mut context = evalexpr::HashMapContext::new();
        for (name, value) in [
            ("us_backstop", world.us_backstop),
            ("ceasefire", world.ceasefire),
        ] {
            context
                .set_value(name.into(), evalexpr::Value::Boolean(value))
                .expect("a world variable");
        }
        EvalExpr { tree, context }
    }

    #[inline(never)]
    fn eval(&mut self, e: &Entity) -> bool {
        use evalexpr::{ContextWithMutableVariables, Value};
        let flags = [
            ("in_coalition", e.in_coalition),
            ("legal_basis", e.legal_basis),
            ("rules_of_engagement", e.rules_of_engagement),
            ("needs_us_backstop", e.needs_us_backstop),
            ("borders_russia", e.borders_russia),
        ];
        for (name, value) in flags {
            self.context
                .set_value(name.into(), Value::Boolean(value))
                .expect("an entity variable");
        }
        self.context
            .set_value("troops_offered".into(), Value::Int(e.troops_offered))
            .expect("an entity variable");
        self.tree
            .eval_boolean_with_context(&self.context)
            .expect("evalexpr evaluation failed")
    }
}

// ---------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------

/// Least time spent timing one engine: fast engines get many more rounds,
/// so that their best round is not one disturbed by the shared machine.
const MIN_TIMED: Duration = Duration::from_millis(500);

/// Runs `round` (one pass over all entities, returning how many satisfy the
/// rule) at least `rounds` times and for at least [`MIN_TIMED`]; returns the
/// best round's time and the number of rounds. Every round must count
/// `expected` satisfied entities.
/// An entity as the generated module holds it.
fn generated_entity(e: &Entity) -> coalition::Entity {
    coalition::Entity {
        in_coalition: Some(e.in_coalition),
        legal_basis: Some(e.legal_basis),
        rules_of_engagement: Some(e.rules_of_engagement),
        needs_us_backstop: Some(e.needs_us_backstop),
        borders_russia: Some(e.borders_russia),
        troops_offered: Some(e.troops_offered as f64),
        contributions: Some(e.contributions.clone()),
        resists_asset_seizure: Some(e.resists_asset_seizure),
    }
}

fn best_round(
    rounds: usize,
    expected: usize,
    mut round: impl FnMut() -> usize,
) -> (Duration, usize) {
    // One untimed warm-up round.
    assert_eq!(black_box(round()), expected, "warm-up round disagrees");
    let mut best = Duration::MAX;
    let mut total = Duration::ZERO;
    let mut done = 0;
    while done < rounds || total < MIN_TIMED {
        let start = Instant::now();
        let satisfied = black_box(round());
        let elapsed = start.elapsed();
        assert_eq!(satisfied, expected, "a timed round disagrees");
        best = best.min(elapsed);
        total += elapsed;
        done += 1;
    }
    (best, done)
}

/// ns per entity of the best round, and the number of rounds.
fn ns_per((best, rounds): (Duration, usize), n: usize) -> (f64, usize) {
    (best.as_secs_f64() * 1e9 / n as f64, rounds)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|a| {
            a.replace(['_', ','], "")
                .parse()
                .expect("N must be a number")
        })
        .unwrap_or(10_000);
    let rounds: usize = args
        .next()
        .map(|a| a.parse().expect("rounds must be a number"))
        .unwrap_or(7);
    assert!(n > 0 && rounds > 0, "N and rounds must be positive");

    // ---- setup (untimed) ----
    let (world, entities) = generate(n);

    let rules = RuleSet::load(RULES_PATH).expect("cannot load rules/coalition.rules");
    let t = Instant::now();
    let facts = prereq_facts(&world, &entities);
    let facts_build = t.elapsed();
    let table = prereq::facts::bind::bind(&facts, rules.program().schema())
        .expect("the generated facts do not fit coalition.rules");
    let mut prereq_deploy = PrereqDeploy::new(&rules, &table);
    let rows = table.entity_rows();
    assert_eq!(rows.len(), n);
    let cone_names: Vec<&str> = prereq_deploy
        .cone
        .iter()
        .map(|r| rules.resolved().rule(r.id).expect("rule").name.as_str())
        .collect();

    let cedar = CedarDeploy::new(&world, &entities);
    let mut rego_interp = RegoInterpreter::new(&world, &entities);
    let mut rego_vm = RegoVm::new(&world, &entities);
    let cel_program =
        cel_interpreter::Program::compile(CEL_EXPRESSION).expect("CEL does not parse");
    let cel_world = cel_root(&world);
    let cel_contexts: Vec<cel_interpreter::Context<'_>> = entities
        .iter()
        .map(|e| {
            let mut context = cel_world.new_inner_scope();
            cel_set_entity(&mut context, e);
            context
        })
        .collect();

    let mut rhai = Rhai::new(&world);
    let mut evalexpr = EvalExpr::new(&world);

    // ---- agreement check: every engine, every entity ----
    let snapshot = rules.snapshot(&facts).expect("snapshot");
    let report = snapshot.report();
    let mut report_deploy = Vec::with_capacity(n);
    for row in report.rows() {
        if row.rule == RULE {
            report_deploy.push(row.verdict);
        }
    }
    assert_eq!(
        report_deploy.len(),
        n,
        "report has one deploy verdict per entity"
    );

    // prereq's compiled plan over each entity's row, and the generated code.
    let columns = prereq::batch::Columns::from_facts(rules.program().schema(), &facts)
        .expect("the generated facts fit");
    let deploy = rules.resolved().rule_id(RULE).expect("the rule exists");
    let compiled = prereq::batch::compile(rules.program(), &columns);
    let plan = compiled.plan(deploy);
    let plan_rows: Vec<prereq::batch::Row> = (0..n).map(|i| compiled.row(i)).collect();
    let mut scratch = compiled.scratch();
    let generated_world = coalition::World {
        us_backstop: Some(world.us_backstop),
        ceasefire: Some(world.ceasefire),
    };
    let generated_entities: Vec<coalition::Entity> =
        entities.iter().map(generated_entity).collect();

    let mut decider = PrereqDecider::new(&rules, &world);

    let mut expected = 0usize;
    for (i, e) in entities.iter().enumerate() {
        let tri = prereq_deploy.eval(&rows[i]);
        let prereq = match tri {
            Tri::True => true,
            Tri::False => false,
            Tri::Unknown => panic!(
                "prereq: deploy undetermined for {} although every fact is known",
                e.name
            ),
        };
        let from_report = report_deploy[i] == prereq::Verdict::Satisfied;
        let cedar_v = cedar.eval(i);
        let rego_i = rego_interp.eval(i);
        let rego_v = rego_vm.eval(i);
        let cel_v = cel_eval(&cel_program, &cel_contexts[i]);
        let mut cel_ctx = cel_world.new_inner_scope();
        cel_set_entity(&mut cel_ctx, e);
        let cel_fresh = cel_eval(&cel_program, &cel_ctx);
        let all = [
            ("prereq snapshot report", from_report),
            ("prereq decider", decider.eval(e)),
            (
                "prereq plan",
                plan.evaluate(&plan_rows[i], &mut scratch) == Tri::True,
            ),
            (
                "prereq codegen",
                coalition::deploy(&generated_world, &generated_entities[i]) == Tri::True,
            ),
            ("Cedar", cedar_v),
            ("Rego interpreter", rego_i),
            ("Rego RVM", rego_v),
            ("CEL", cel_v),
            ("CEL (fresh context)", cel_fresh),
            ("rhai", rhai.eval(e)),
            ("evalexpr", evalexpr.eval(e)),
        ];
        for (engine, verdict) in all {
            if verdict != prereq {
                panic!(
                    "DISAGREEMENT on entity #{i} `{}`: prereq says deploy={prereq}, {engine} says {verdict}\n  \
                     facts: in_coalition={} troops_offered={} borders_russia={} needs_us_backstop={} legal_basis={} rules_of_engagement={} \
                     (world: us_backstop={} ceasefire={})\n  all: {all:?}",
                    e.name,
                    e.in_coalition,
                    e.troops_offered,
                    e.borders_russia,
                    e.needs_us_backstop,
                    e.legal_basis,
                    e.rules_of_engagement,
                    world.us_backstop,
                    world.ceasefire,
                );
            }
        }
        expected += usize::from(prereq);
    }

    println!("prereq vs peer engines — rule `{RULE}` of rules/coalition.rules");
    println!(
        "  prereq evaluates the entity rules: {} (in that order, each once per entity)",
        cone_names.join(", ")
    );
    println!(
        "  N = {n} entities, every fact KNOWN (the peers have no three-valued logic: \
         prereq's `undetermined` is never exercised here)"
    );
    println!(
        "  world: us_backstop={} ceasefire={}; deploy satisfied for {expected}/{n} ({:.1}%)",
        world.us_backstop,
        world.ceasefire,
        100.0 * expected as f64 / n as f64
    );
    println!(
        "  all verdicts agreed: prereq (every path, the decider too), Cedar, Rego (interpreter and RVM), CEL, rhai, evalexpr — {n} entities, 0 disagreements"
    );
    println!(
        "  setup (untimed): building prereq::Facts with Facts::set took {:.1} ms",
        facts_build.as_secs_f64() * 1e3
    );
    println!(
        "  timing: best round of at least {rounds} rounds and {} ms per engine (after 1 warm-up round), ns per entity evaluation\n",
        MIN_TIMED.as_millis()
    );

    // ---- timing ----
    let mut results: Vec<(&str, &str, (f64, usize))> = Vec::new();

    let d = best_round(rounds, expected, || {
        let mut satisfied = 0;
        for row in rows {
            satisfied += usize::from(prereq_deploy.eval(black_box(row)) == Tri::True);
        }
        satisfied
    });
    results.push((
        "prereq",
        "eval::evaluate_rules over deploy's 4 rules, bound row",
        ns_per(d, n),
    ));

    let d = best_round(rounds, expected, || {
        plan_rows
            .iter()
            .filter(|row| plan.evaluate(black_box(row), &mut scratch) == Tri::True)
            .count()
    });
    results.push((
        "prereq plan",
        "batch::Plan::evaluate, deploy's plan over each entity's Row",
        ns_per(d, n),
    ));

    let d = best_round(rounds, expected, || {
        generated_entities
            .iter()
            .filter(|e| coalition::deploy(&generated_world, black_box(e)) == Tri::True)
            .count()
    });
    results.push((
        "prereq codegen",
        "deploy() from `prereq codegen rules/`, over coalition::Entity",
        ns_per(d, n),
    ));

    let d = best_round(rounds, expected, || {
        entities
            .iter()
            .filter(|e| decider.eval(black_box(e)))
            .count()
    });
    results.push((
        "prereq decider",
        "Decider: a request, 7 facts set through handles, deploy decided",
        ns_per(d, n),
    ));

    let d = best_round(rounds, expected, || {
        prereq::batch::evaluate(rules.program(), black_box(&columns))
            .counts(deploy)
            .satisfied
    });
    results.push((
        "prereq batch",
        "batch::evaluate, all 8 rules for all N entities, / N",
        ns_per(d, n),
    ));

    let d = best_round(rounds, expected, || {
        let report = rules.evaluate(black_box(&facts)).expect("evaluate");
        report
            .rows()
            .filter(|r| r.rule == RULE && r.verdict == prereq::Verdict::Satisfied)
            .count()
    });
    results.push((
        "prereq evaluate",
        "RuleSet::evaluate (facts into columns + all 8 rules + Report), / N",
        ns_per(d, n),
    ));

    let d = best_round(rounds, expected, || {
        (0..n).filter(|&i| cedar.eval(black_box(i))).count()
    });
    results.push((
        "cedar-policy",
        "Authorizer::is_authorized, prebuilt Request",
        ns_per(d, n),
    ));

    let d = best_round(rounds, expected, || {
        (0..n).filter(|&i| rego_vm.eval(black_box(i))).count()
    });
    results.push(("regorus RVM", "vm.set_input + vm.execute", ns_per(d, n)));

    let d = best_round(rounds, expected, || {
        (0..n).filter(|&i| rego_interp.eval(black_box(i))).count()
    });
    results.push((
        "regorus interp",
        "engine.set_input + engine.eval_rule",
        ns_per(d, n),
    ));

    let d = best_round(rounds, expected, || {
        cel_contexts
            .iter()
            .filter(|c| cel_eval(&cel_program, black_box(c)))
            .count()
    });
    results.push((
        "cel-interpreter",
        "Program::execute, prebuilt Context",
        ns_per(d, n),
    ));

    let d = best_round(rounds, expected, || {
        entities
            .iter()
            .filter(|e| {
                let mut context = cel_world.new_inner_scope();
                cel_set_entity(&mut context, black_box(e));
                cel_eval(&cel_program, &context)
            })
            .count()
    });
    results.push((
        "cel-interpreter",
        "new child Context + 6 add_variable + execute",
        ns_per(d, n),
    ));

    let d = best_round(rounds, expected, || {
        entities.iter().filter(|e| rhai.eval(black_box(e))).count()
    });
    results.push((
        "rhai",
        "scope rewound + 6 push_constant + eval_ast_with_scope",
        ns_per(d, n),
    ));

    let d = best_round(rounds, expected, || {
        entities
            .iter()
            .filter(|e| evalexpr.eval(black_box(e)))
            .count()
    });
    results.push((
        "evalexpr",
        "6 set_value + eval_boolean_with_context",
        ns_per(d, n),
    ));

    let base = results[0].2.0;
    println!(
        "{:<16} | {:>9} | {:>15} | {:>6} | timed per entity",
        "engine", "ns/eval", "ratio vs prereq", "rounds"
    );
    println!(
        "{:-<16}-|-{:->9}-|-{:->15}-|-{:->6}-|-{:-<52}",
        "", "", "", "", ""
    );
    for (engine, what, (ns, rounds)) in &results {
        println!(
            "{engine:<16} | {ns:>9.1} | {:>14.1}x | {rounds:>6} | {what}",
            ns / base
        );
    }
}
