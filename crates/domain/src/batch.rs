//! Answers to a batch of items in the items' order, when some items are answered at
//! once (they failed their checks) and the rest later, several together (a write of
//! many rows), whose answers come back in the order the items were passed on.

/// One answer per item, in item order.
#[derive(Debug)]
pub struct Answers<T> {
    slots: Vec<Option<T>>,
}

impl<T> Answers<T> {
    /// Room for `items` answers.
    pub fn with_capacity(items: usize) -> Self {
        Self {
            slots: Vec::with_capacity(items),
        }
    }

    /// Answers the next item now.
    pub fn now(&mut self, answer: T) {
        self.slots.push(Some(answer));
    }

    /// Leaves the next item to be answered later; its slot.
    pub fn later(&mut self) -> usize {
        self.slots.push(None);
        self.slots.len() - 1
    }

    /// Answers the item at `slot`.
    pub fn set(&mut self, slot: usize, answer: T) {
        self.slots[slot] = Some(answer);
    }

    /// Answers the items at `slots` with `answers`, pairwise in order.
    pub fn fill(&mut self, slots: impl IntoIterator<Item = usize>, answers: impl IntoIterator<Item = T>) {
        for (slot, answer) in slots.into_iter().zip(answers) {
            self.set(slot, answer);
        }
    }

    /// The answers in item order.
    ///
    /// # Panics
    /// If an item was left unanswered: a bug in the caller.
    pub fn into_vec(self) -> Vec<T> {
        self.slots
            .into_iter()
            .map(|answer| answer.expect("every item is answered"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Answers;

    #[test]
    fn answers_keep_the_items_order() {
        let mut answers = Answers::with_capacity(4);
        answers.now("a");
        let b = answers.later();
        let c = answers.later();
        answers.now("d");
        answers.fill([b, c], ["b", "c"]);
        assert_eq!(answers.into_vec(), ["a", "b", "c", "d"]);
    }

    #[test]
    #[should_panic(expected = "every item is answered")]
    fn an_unanswered_item_is_a_bug() {
        let mut answers = Answers::<()>::with_capacity(1);
        answers.later();
        answers.into_vec();
    }
}
